"""Entry script for the PyInstaller bundle: the same main() as the `wiro-studio` launcher."""

import sys

from app.main import main

if __name__ == "__main__":
    sys.exit(main())
