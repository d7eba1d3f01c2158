"""``python -m bgpcascade`` runs the CLI."""

from bgpcascade.cli import main

raise SystemExit(main())
