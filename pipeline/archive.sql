-- The archive's schema (pipeline/archive.py), as the migrations that build it: each "-- migration N" section
-- brings schema N - 1 to N. A new file runs them all, an older one the ones it lacks, in one transaction. Never
-- change a section once released: add a new one.

-- migration 1: scoring
CREATE TABLE quarters (
    id INTEGER PRIMARY KEY,
    unit TEXT NOT NULL,                -- topics.yaml's unit ('' when it names none)
    quarter TEXT NOT NULL,             -- 2026Q3, or the label when it is not a calendar quarter
    period TEXT NOT NULL,              -- YYYYQn, for ordering
    label TEXT NOT NULL,               -- as topics.yaml (or the batch folder) names it
    batch TEXT,
    scored_at TEXT,
    xuexi_version TEXT,
    first_stored_at TEXT NOT NULL,
    stored_at TEXT NOT NULL,
    results_json TEXT NOT NULL,        -- the whole results.json dict, without review fields
    UNIQUE (unit, quarter));
CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    unit TEXT NOT NULL DEFAULT '',
    UNIQUE (name, unit));
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    quarter_id INTEGER NOT NULL REFERENCES quarters(id),
    doc_id TEXT NOT NULL,
    member_id INTEGER REFERENCES members(id),
    doc_type TEXT,
    file TEXT,
    format TEXT,
    chars INTEGER,
    copy_ratio REAL,
    content_hash TEXT,
    text TEXT,
    UNIQUE (quarter_id, doc_id));
CREATE INDEX documents_member ON documents(member_id);
CREATE TABLE topic_levels (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    topic_id TEXT NOT NULL,
    level INTEGER NOT NULL,
    score REAL,
    PRIMARY KEY (document_id, topic_id));
CREATE TABLE flags (
    flag_key TEXT PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('copied', 'quoted', 'generic', 'diagnosis')),
    position INTEGER,                  -- index in the document's list of that kind; NULL for a diagnosis
    start_char INTEGER,
    end_char INTEGER,
    text TEXT NOT NULL,                -- the passage; for a diagnosis its name
    source TEXT,
    detail TEXT NOT NULL);             -- the flag's whole results.json entry
CREATE INDEX flags_document ON flags(document_id);

-- migration 2: review
CREATE TABLE users (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL);
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    quarter_id INTEGER NOT NULL REFERENCES quarters(id),
    doc_id TEXT NOT NULL,
    flag_key TEXT,                     -- NULL: a verdict on the whole document
    flag_kind TEXT,                    -- what the flag was when decided, kept if a re-scoring drops it
    flag_text TEXT,
    reviewer TEXT NOT NULL,
    verdict TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    decided_at TEXT NOT NULL,
    CHECK ((flag_key IS NULL AND verdict IN ('合格', '需补学', '退回修改'))
           OR (flag_key IS NOT NULL AND verdict IN ('confirm', 'dismiss'))));
CREATE INDEX decisions_flag ON decisions(flag_key);
CREATE INDEX decisions_document ON decisions(quarter_id, doc_id);
CREATE TRIGGER decisions_never_change BEFORE UPDATE ON decisions
    BEGIN SELECT RAISE(ABORT, 'decisions are never changed: add a new decision'); END;
CREATE TRIGGER decisions_never_deleted BEFORE DELETE ON decisions
    BEGIN SELECT RAISE(ABORT, 'decisions are never deleted: add a new decision'); END;

-- migration 3: review-page sign-ins, so that one ends on the server (logout, a changed password, a removed
-- account) and a copied cookie of an ended session is worth nothing; username is NULL for a name-only sign-in
CREATE TABLE review_sessions (
    sid TEXT PRIMARY KEY,
    username TEXT,
    started_at TEXT NOT NULL);
CREATE INDEX review_sessions_user ON review_sessions(username);

-- migration 4: a reviewer's correction of a document's level on a topic, append-only like the decisions: the
-- latest counts, the machine's level stays in results_json, so the trail keeps both
CREATE TABLE level_decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    quarter_id INTEGER NOT NULL REFERENCES quarters(id),
    doc_id TEXT NOT NULL,
    topic_id TEXT NOT NULL,
    level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 3),
    reviewer TEXT NOT NULL,
    note TEXT NOT NULL,
    decided_at TEXT NOT NULL);
CREATE INDEX level_decisions_document ON level_decisions(quarter_id, doc_id);
CREATE TRIGGER level_decisions_never_change BEFORE UPDATE ON level_decisions
    BEGIN SELECT RAISE(ABORT, 'decisions are never changed: add a new decision'); END;
CREATE TRIGGER level_decisions_never_deleted BEFORE DELETE ON level_decisions
    BEGIN SELECT RAISE(ABORT, 'decisions are never deleted: add a new decision'); END;

-- migration 5: each text stored once (a quarter of 10,000 documents held about 470 MB with every text written two
-- or three times). documents.text is the one copy of a document's text; documents.record its results.json entry,
-- whose passages of that text are written as `"text": true` beside their start and end (or [start, end] where
-- the entry gives none: a heading, a quotation), whose copied passages' source texts and flags' reasons are ids of shared_texts (one row per distinct text of the quarter), and whose
-- own text is null (documents.text). quarters.results_json keeps the quarter's own fields ("documents": []).
-- A flag keeps only what it is looked up by: its entry is in its document's record, its text is NULL where it
-- is the document's text from start_char to end_char. archive.py rewrites every stored quarter in this form.
ALTER TABLE documents ADD COLUMN record TEXT;
-- 1 when first stored, one more at each storing after: the review page reads a quarter again when it grows
ALTER TABLE quarters ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
CREATE TABLE shared_texts (
    quarter_id INTEGER NOT NULL REFERENCES quarters(id),
    id INTEGER NOT NULL,               -- numbered from 1 within the quarter
    text TEXT NOT NULL,
    PRIMARY KEY (quarter_id, id)) WITHOUT ROWID;
DROP TABLE flags;
CREATE TABLE flags (
    flag_key TEXT PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('copied', 'quoted', 'generic', 'diagnosis')),
    position INTEGER,                  -- index in the document's list of that kind; NULL for a diagnosis
    start_char INTEGER,
    end_char INTEGER,
    text TEXT,                         -- NULL: the document's text from start_char to end_char; a diagnosis's name
    source TEXT);
CREATE INDEX flags_document ON flags(document_id);
