"""The `xlfin` program: its console script and `python -m xlfin`.

Apart from `xlfin.cli` so that the cyclic collector can be paused while xlfin's modules
load: the objects they make (classes, functions, pydantic's schemas) live as long as the
process, and a collector pass over them while they load is wasted (about 35 ms). Once
loaded, they are frozen out of every later pass (`gc.freeze`).
"""

import gc


def main() -> None:
    gc.disable()
    try:
        from xlfin.cli import run
    finally:
        gc.freeze()
        gc.enable()
    run()
