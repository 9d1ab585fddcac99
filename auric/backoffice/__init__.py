"""Back-office pages that span apps (dashboard, sidebar). Sits above every app; nothing imports it."""
