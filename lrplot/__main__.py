from lrplot.cli import main

main()
