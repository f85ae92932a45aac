-- migrate:up
CREATE TABLE notes_next (id integer PRIMARY KEY, text text NOT NULL, created text NOT NULL DEFAULT '2024-01-05');
INSERT INTO notes_next (id, text, created) SELECT id, body, created FROM notes;
DROP TABLE notes;
ALTER TABLE notes_next RENAME TO notes;

-- migrate:down
ALTER TABLE notes RENAME COLUMN text TO body;
