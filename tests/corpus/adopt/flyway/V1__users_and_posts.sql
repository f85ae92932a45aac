CREATE TABLE users (
  id integer PRIMARY KEY,
  name varchar(50) NOT NULL,
  email varchar(100)
);
CREATE TABLE posts (
  id integer PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users (id),
  title text NOT NULL,
  score text
);
CREATE INDEX posts_user ON posts (user_id);
