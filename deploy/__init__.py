"""Running the system as a county would: the processes of docker-compose.yml without containers,
backups, and the load run."""
