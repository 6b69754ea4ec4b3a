"""The floor every Typer CLI pays: a minimal two-command app (benchmark baseline)."""

import typer

app = typer.Typer()


@app.command()
def hello(name: str = "world"):
    print(f"hello {name}")


@app.command()
def bye():
    print("bye")


if __name__ == "__main__":
    app()
