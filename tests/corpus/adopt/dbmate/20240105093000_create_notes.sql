-- migrate:up
CREATE TABLE notes (id integer PRIMARY KEY, body text NOT NULL, created text NOT NULL DEFAULT '2024-01-05');
INSERT INTO notes (id, body) VALUES (1, 'first'), (2, 'second'), (3, 'third');

-- migrate:down
DROP TABLE notes;
