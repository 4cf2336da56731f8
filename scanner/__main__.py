from scanner.cli import console

console()
