-- +goose Up
INSERT INTO users (id, name) VALUES (1, 'ada'), (2, 'bob');
INSERT INTO tags (user_id, tag) VALUES (1, 'math'), (1, 'engines'), (2, 'music');

-- +goose Down
DELETE FROM tags;
DELETE FROM users WHERE id IN (1, 2);
