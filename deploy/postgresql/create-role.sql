-- The application's role and database, run once as the PostgreSQL
-- superuser (sudo -u postgres psql -v password="'...'" -f create-role.sql).
-- The role is not a superuser and cannot create databases or roles: it
-- owns its database and nothing else.
CREATE ROLE pharma_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
    PASSWORD :password;
CREATE DATABASE pharma_prod OWNER pharma_app ENCODING 'UTF8'
    TEMPLATE template0;
\connect pharma_prod
-- trigram indexes of pharma_search, unaccented search, slow-query stats
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
