-- +goose NO TRANSACTION
-- +goose Up
PRAGMA foreign_keys = off;
PRAGMA legacy_alter_table = on;
CREATE TABLE users_new (id integer PRIMARY KEY, name text NOT NULL, updated integer, bio text DEFAULT '');
INSERT INTO users_new (id, name, updated) SELECT id, name, updated FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
-- +goose StatementBegin
CREATE TRIGGER users_touch AFTER UPDATE OF name ON users
BEGIN
  UPDATE users SET updated = 1 WHERE id = NEW.id;
END;
-- +goose StatementEnd
PRAGMA legacy_alter_table = off;
PRAGMA foreign_keys = on;

-- +goose Down
ALTER TABLE users DROP COLUMN bio;
