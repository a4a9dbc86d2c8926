from xlfin.cli import main

main()
