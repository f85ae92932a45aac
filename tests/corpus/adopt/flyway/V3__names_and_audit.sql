CREATE VIEW user_names AS SELECT id, name FROM users;
CREATE TABLE audit (at integer, what text);
CREATE TRIGGER posts_audit AFTER INSERT ON posts
BEGIN
  INSERT INTO audit (at, what) SELECT NEW.id, name FROM users WHERE id = NEW.user_id;
END;
