-- 0015 Setup links: when the setup e-mail went out (tenant-provisioning).
--
-- The setup e-mail is no longer sent inside the request that issues the link: the request
-- commits the link and its `tenant.setup_link_issued` event, and the service's setup-link
-- mailer (an idempotent consumer of that event) derives the token from the link id with
-- the service's HMAC key (the token itself is still never stored), sends the mail and sets
-- `email_sent_at` in the same transaction as it records the message as processed.
--
-- NULL: the mail is pending (or was skipped because the link stopped being active before it
-- went out). Set once; the mailer never sends a link's mail twice after it committed.
ALTER TABLE setup_links ADD COLUMN email_sent_at timestamptz;

COMMENT ON COLUMN setup_links.email_sent_at IS
    'When the setup e-mail carrying this link was handed to the SMTP server; NULL while pending or when skipped';
