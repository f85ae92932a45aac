-- The second change: when each user was created.
ALTER TABLE users ADD COLUMN created_at text NOT NULL DEFAULT CURRENT_TIMESTAMP;
