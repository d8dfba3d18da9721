-- Kalshi's published general trading-fee coefficients (docs/fees.md): taker 0.07, maker 0.0175.
-- Other tiers can be added as rows; GET /fees?tier= lists what is here.
INSERT INTO fee_tiers (tier, description, taker_coefficient, maker_coefficient, updated_at)
VALUES ('default', 'Kalshi general trading fee schedule (since 2025-07-01)', '0.07', '0.0175', 0);
