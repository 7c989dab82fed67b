from lbi.cli import main

main()
