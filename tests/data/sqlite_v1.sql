PRAGMA user_version = 1;
CREATE TABLE matters (
    id TEXT PRIMARY KEY, version INTEGER NOT NULL, reference TEXT UNIQUE, body TEXT NOT NULL
);
CREATE TABLE events (
    matter_id TEXT NOT NULL REFERENCES matters (id), version INTEGER NOT NULL,
    type TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (matter_id, version)
);
CREATE TABLE entities (
    repo TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,
    body TEXT NOT NULL, PRIMARY KEY (repo, id)
);
CREATE TABLE audit (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE outbox (
    id TEXT PRIMARY KEY, created_us INTEGER NOT NULL, delivered INTEGER NOT NULL,
    next_attempt_us INTEGER, body TEXT NOT NULL
);

INSERT INTO matters VALUES ('old0', 1, 'ref-0', '{"id": "old0", "version": 1, "category": "dispute:neighbour", "severity": "general", "source": "walk_in", "location": {"point": null, "address": null, "place": "p1"}, "description": "楼上漏水", "reported_at": "2026-01-03T22:30:00+08:00", "reference": "ref-0", "updated_at": "2026-01-03T22:30:00+08:00", "type": "Dispute"}');
INSERT INTO events VALUES ('old0', 1, 'MatterReported', '{"matter_id": "old0", "version": 1, "at": "2026-01-03T22:30:00+08:00", "kind": "dispute", "category": "dispute:neighbour", "severity": "general", "source": "walk_in", "location": {"point": null, "address": null, "place": "p1"}, "description": "楼上漏水", "reference": "ref-0", "type": "MatterReported", "actor": "desk", "actor_role": "officer"}');
INSERT INTO audit VALUES (1, '{"seq":1,"at":"2026-01-03T22:30:00+08:00","actor":"desk","role":"officer","action":"report","object_type":"matter","object_id":"old0","outcome":"success","prev_hash":"","entry_hash":""}');
INSERT INTO matters VALUES ('old1', 2, 'ref-1', '{"id": "old1", "version": 2, "category": "dispute:neighbour", "severity": "general", "source": "walk_in", "location": {"point": null, "address": null, "place": "p1"}, "description": "楼上漏水", "reported_at": "2026-01-17T22:30:00+08:00", "reference": "ref-1", "level": "grid", "owner": "o1", "cell": "420115001001001", "police_grid": "pg1", "community": "c1", "updated_at": "2026-01-17T23:30:00+08:00", "type": "Dispute"}');
INSERT INTO events VALUES ('old1', 1, 'MatterReported', '{"matter_id": "old1", "version": 1, "at": "2026-01-17T22:30:00+08:00", "kind": "dispute", "category": "dispute:neighbour", "severity": "general", "source": "walk_in", "location": {"point": null, "address": null, "place": "p1"}, "description": "楼上漏水", "reference": "ref-1", "type": "MatterReported", "actor": "desk", "actor_role": "officer"}');
INSERT INTO events VALUES ('old1', 2, 'MatterTriaged', '{"matter_id": "old1", "version": 2, "at": "2026-01-17T23:30:00+08:00", "cell": "420115001001001", "police_grid": "pg1", "community": "c1", "level": "grid", "owner": "o1", "type": "MatterTriaged", "actor": "desk", "actor_role": "officer"}');
INSERT INTO audit VALUES (2, '{"seq":2,"at":"2026-01-17T22:30:00+08:00","actor":"desk","role":"officer","action":"report","object_type":"matter","object_id":"old1","outcome":"success","prev_hash":"","entry_hash":""}');
INSERT INTO matters VALUES ('old2', 3, 'ref-2', '{"id": "old2", "version": 3, "category": "dispute:neighbour", "severity": "general", "source": "walk_in", "location": {"point": null, "address": null, "place": "p1"}, "description": "楼上漏水", "reported_at": "2026-01-31T22:30:00+08:00", "reference": "ref-2", "level": "grid", "owner": "o2", "cell": "420115001001001", "police_grid": "pg1", "community": "c1", "updated_at": "2026-02-02T04:30:00+08:00", "closed_at": "2026-02-02T04:30:00+08:00", "state": "closed", "type": "Dispute"}');
INSERT INTO events VALUES ('old2', 1, 'MatterReported', '{"matter_id": "old2", "version": 1, "at": "2026-01-31T22:30:00+08:00", "kind": "dispute", "category": "dispute:neighbour", "severity": "general", "source": "walk_in", "location": {"point": null, "address": null, "place": "p1"}, "description": "楼上漏水", "reference": "ref-2", "type": "MatterReported", "actor": "desk", "actor_role": "officer"}');
INSERT INTO events VALUES ('old2', 2, 'MatterTriaged', '{"matter_id": "old2", "version": 2, "at": "2026-01-31T23:30:00+08:00", "cell": "420115001001001", "police_grid": "pg1", "community": "c1", "level": "grid", "owner": "o2", "type": "MatterTriaged", "actor": "desk", "actor_role": "officer"}');
INSERT INTO events VALUES ('old2', 3, 'StateChanged', '{"matter_id": "old2", "version": 3, "at": "2026-02-02T04:30:00+08:00", "action": "closed", "state": "closed", "type": "StateChanged", "actor": "desk", "actor_role": "officer"}');
INSERT INTO audit VALUES (3, '{"seq":3,"at":"2026-01-31T22:30:00+08:00","actor":"desk","role":"officer","action":"report","object_type":"matter","object_id":"old2","outcome":"success","prev_hash":"","entry_hash":""}');
