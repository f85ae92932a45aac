-- +goose Up
CREATE TABLE users (id integer PRIMARY KEY, name text NOT NULL, updated integer);
CREATE TABLE tags (user_id integer NOT NULL REFERENCES users (id), tag text NOT NULL, PRIMARY KEY (user_id, tag));
-- +goose StatementBegin
CREATE TRIGGER users_touch AFTER UPDATE OF name ON users
BEGIN
  UPDATE users SET updated = 1 WHERE id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE tags;
DROP TABLE users;
