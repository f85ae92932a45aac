INSERT INTO users (id, name, email) VALUES
  (1, 'ada', 'ada@example.com'),
  (2, 'bob', NULL),
  (3, 'cy', 'cy@example.com');
INSERT INTO posts (id, user_id, title, score) VALUES
  (10, 1, 'hello', '5'),
  (11, 1, 'again', '7'),
  (12, 3, 'first', NULL);
