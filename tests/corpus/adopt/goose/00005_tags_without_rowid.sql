-- +goose Up
CREATE TABLE tags_new (user_id integer NOT NULL REFERENCES users (id), tag text NOT NULL, PRIMARY KEY (user_id, tag)) WITHOUT ROWID;
INSERT INTO tags_new SELECT * FROM tags;
DROP TABLE tags;
ALTER TABLE tags_new RENAME TO tags;

-- +goose Down
CREATE TABLE tags_old (user_id integer NOT NULL REFERENCES users (id), tag text NOT NULL, PRIMARY KEY (user_id, tag));
INSERT INTO tags_old SELECT * FROM tags;
DROP TABLE tags;
ALTER TABLE tags_old RENAME TO tags;
