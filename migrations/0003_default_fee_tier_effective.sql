-- The default tier's updated_at was 0 (shown as 1970-01-01). It is the instant the tier's values
-- became Kalshi's schedule: taker 0.07 and maker 0.0175, both quadratic, in effect since
-- 2025-07-01 (the maker formula replaced a flat $0.0025/contract then; docs/fees.md, "GET /fees").
-- The sources give the date, not the hour: midnight UTC. Only a row still at 0 is changed.
UPDATE fee_tiers SET updated_at = 1751328000000
WHERE tier = 'default' AND updated_at = 0 AND taker_coefficient = '0.07' AND maker_coefficient = '0.0175';
