from xlfin.program import main

main()
