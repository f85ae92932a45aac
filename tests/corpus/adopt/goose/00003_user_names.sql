-- +goose Up
CREATE VIEW user_names AS SELECT id, name FROM users;

-- +goose Down
DROP VIEW user_names;
