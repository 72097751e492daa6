-- The pipeline checks what it reads: which incarnation of each Kafka topic the stored
-- positions and published marks refer to, and which stored row each applied revision is.

-- Kafka gives every topic a UUID when it is created; a topic deleted and created again under
-- the same name gets a new one. Scoring records here the topic its consumer offsets and the
-- outboxes' published marks refer to. Another id means those are void: scoring reads the
-- new topic from its beginning and has the outboxes sent again (docs/architecture.md,
-- "When a topic is lost or recreated").
CREATE TABLE kafka_topics (
    topic        text PRIMARY KEY,
    topic_id     uuid NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- An applied revision names its submission row and content hash (as `AcceptedResult` now
-- does), so a message counts as a duplicate only when its content is the same. Revisions
-- applied before this migration take them from the row with the same content.
UPDATE event_results e
SET result = (e.result::jsonb || jsonb_build_object(
    'submission_id', s.id, 'content_hash', encode(s.content_hash, 'hex')))::json
FROM submissions s
WHERE s.event_id = e.event_id AND s.revision = e.revision
  AND s.status = e.result->>'status' AND s.note IS NOT DISTINCT FROM e.result->>'note'
  AND s.entries = (e.result->'entries')::jsonb;

-- Any other was applied from a message that no row holds (possible before this migration,
-- after a database restore): it names no row (id 0) and no hash, and the row of its revision
-- is sent again, so scoring applies what `submissions` holds over it.
UPDATE event_results
SET result = (result::jsonb || '{"submission_id": 0, "content_hash": ""}'::jsonb)::json
WHERE NOT (result::jsonb ? 'content_hash');

UPDATE submissions s SET published_at = NULL
FROM event_results e
WHERE e.event_id = s.event_id AND e.revision = s.revision AND e.result->>'content_hash' = '';
