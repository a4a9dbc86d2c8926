from xlfin.cli import run

run()
