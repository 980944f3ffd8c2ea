#!/usr/bin/env python3
"""Sweep concurrency and see the trade-off every deployment makes: tokens/s per user (how fast one
reply streams) against tokens/s per GPU (what the hardware earns). Plots it with matplotlib when
installed (python3-matplotlib), else prints a table.

    PYTHONPATH=build/release/python python3 examples/python/concurrency_sweep.py \
        --model llama-3-8b --hardware h100-sxm --gpus 1 --out sweep.png
"""
import argparse

import infercost


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="llama-3-70b")
    parser.add_argument("--hardware", default="h100-sxm")
    parser.add_argument("--gpus", type=int, default=2)
    parser.add_argument("--engine", default="vllm")
    parser.add_argument("--mode", default="serving", choices=["static", "serving"])
    parser.add_argument("--max-concurrency", type=int, default=256)
    parser.add_argument("--out", default="concurrency_sweep.png", help="the plot (matplotlib)")
    parser.add_argument("--table", action="store_true", help="print a table, never plot")
    args = parser.parse_args()

    session = infercost.Session()
    records = session.sweep({"concurrency": f"1..{args.max_concurrency}*2"},
                            model=args.model, hardware=args.hardware, gpus=args.gpus,
                            engine=args.engine, mode=args.mode)
    points = [r for r in records if r["error"] is None]
    for r in records:
        if r["error"] is not None:
            print(f"concurrency {r['concurrency']}: {r['error']}")

    plt = None
    if not args.table:
        try:
            import matplotlib
            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("matplotlib is not installed (apt-get install python3-matplotlib): a table")
    if plt is None:
        print(f"{'concurrency':>11} {'tok/s/user':>11} {'tok/s/GPU':>11} {'TTFT s':>8} "
              f"{'fits':>5}")
        for r in points:
            print(f"{r['concurrency']:>11} {r['tokens_per_s_per_user']:>11.1f} "
                  f"{r['tokens_per_s_per_gpu']:>11.1f} {r['ttft_s']:>8.3f} "
                  f"{str(r['fits']):>5}")
        return
    x = [r["tokens_per_s_per_user"] for r in points]
    y = [r["tokens_per_s_per_gpu"] for r in points]
    figure, axes = plt.subplots(figsize=(7, 5))
    axes.plot(x, y, marker="o")
    for r, px, py in zip(points, x, y):
        axes.annotate(str(r["concurrency"]), (px, py), textcoords="offset points", xytext=(4, 4))
    axes.set_xlabel("tokens/s per user")
    axes.set_ylabel("tokens/s per GPU")
    axes.set_title(f"{args.model} on {args.gpus}x {args.hardware}, {args.engine} {args.mode}: "
                   "concurrency sweep")
    axes.grid(True, alpha=0.3)
    figure.tight_layout()
    figure.savefig(args.out, dpi=120)
    print(f"wrote {args.out} ({len(points)} points)")


if __name__ == "__main__":
    main()
