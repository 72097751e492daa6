-- The feed's identity. A seq means something only within one feed: after a restore from a
-- backup, or anything else that puts another history in place of this one, the same seq
-- numbers other messages. Broadcast hands the epoch out with every position it gives
-- (`subscribed`, snapshots, feed pages), and a client resuming with the epoch of another
-- feed gets a reset with fresh state instead of a replay (docs/protocol.md "Resets").
ALTER TABLE scoring_state
    ADD COLUMN epoch text NOT NULL DEFAULT replace(gen_random_uuid()::text, '-', '');

-- A new epoch for this database: call it whenever the feed stops continuing the one that
-- clients hold positions of (a restore, a feed rewritten or renumbered), then restart
-- broadcast. `podium rebuild --apply` needs none: it announces its changes as new feed
-- messages after the last seq, so every position stays valid.
CREATE FUNCTION rotate_feed_epoch() RETURNS text LANGUAGE sql AS $$
    UPDATE scoring_state SET epoch = replace(gen_random_uuid()::text, '-', '') RETURNING epoch
$$;
