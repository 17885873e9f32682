"""``python -m advocate`` runs the same CLI as the ``advocate`` command."""

from advocate.cli import main

if __name__ == "__main__":
    main()
