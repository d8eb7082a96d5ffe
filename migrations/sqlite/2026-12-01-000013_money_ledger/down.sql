DROP TABLE call_recipients;
DROP TABLE call_year_money;
DROP TABLE org_year_money;
