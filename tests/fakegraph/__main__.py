"""Run the fake Graph by hand: python -m tests.fakegraph --port 8443 [--hub HUB.xlsx]."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from hub_schema.template import build_template
from tests.fakegraph.server import FakeGraph


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8443)
    parser.add_argument("--hub", type=Path, help="a hub workbook to serve (default: a blank one)")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="fakegraph-"))
    fake = FakeGraph(root)
    hub = args.hub or build_template(root / "blank-hub.xlsx")
    item = fake.add_file("CX Hub.xlsx", hub.read_bytes())
    fake.start(args.port)
    print(f"Fake Graph on {fake.base_url}; point CX Hub at it with:\n")
    for name, value in fake.settings_env(item).items():
        print(f"export {name}='{value}'")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
