"""Access monitoring: thresholds on editors' access to personal data that alert the DPO
and the site's admins at once, and the report of access by user and day."""
