"""``python -m alpr_audit`` runs the command line."""

from alpr_audit.cli.app import main

main()
