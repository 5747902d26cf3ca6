"""`python -m scanner` runs the logward command line."""

from scanner.launch import main

main()
