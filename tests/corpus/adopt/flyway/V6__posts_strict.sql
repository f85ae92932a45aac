PRAGMA foreign_keys = off;
CREATE TABLE new_posts (
  id integer PRIMARY KEY,
  user_id integer NOT NULL REFERENCES users (id),
  title text NOT NULL,
  score text
) STRICT;
INSERT INTO new_posts SELECT * FROM posts;
DROP TABLE posts;
ALTER TABLE new_posts RENAME TO posts;
CREATE INDEX posts_user ON posts (user_id);
CREATE TRIGGER posts_audit AFTER INSERT ON posts
BEGIN
  INSERT INTO audit (at, what) SELECT NEW.id, name FROM users WHERE id = NEW.user_id;
END;
PRAGMA foreign_keys = on;
