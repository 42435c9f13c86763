#!/usr/bin/env python3
"""Concurrent large TAXII posts against a running Cybex server (scripts/bench-memory.sh runs it).

Each thread posts one envelope file, streamed from disk with its Content-Length. A refusal with a
retryable status (503, 429) is retried after its Retry-After until the post is stored; every 202
status must account for every object (success_count == total_count), so no post is lost. Prints
one JSON line: posts, objects, refusals, wall time. Standard library only.
"""
import argparse, base64, http.client, json, os, sys, threading, time

def post(args, path, results, index):
    auth = base64.b64encode(f"{args.user}:{args.password}".encode()).decode()
    url = f"/taxii2/cybex/collections/{args.collection}/objects/"
    media = "application/taxii+json;version=2.1"
    if args.rest:
        url, media = f"/api/v1/collections/{args.collection}/objects", "application/json"
    size = os.path.getsize(path)
    refusals = 0
    started = time.monotonic()
    while True:
        conn = http.client.HTTPConnection(args.host, args.port, timeout=900)
        with open(path, "rb") as body:
            conn.request("POST", url, body=body, headers={
                "Authorization": f"Basic {auth}", "Content-Type": media, "Accept": media,
                "Content-Length": str(size)})
            response = conn.getresponse()
            data = response.read()
        conn.close()
        if response.status in (429, 503):
            refusals += 1
            retry = int(response.getheader("Retry-After") or "1")
            if refusals > args.max_refusals:
                results[index] = {"error": f"refused {refusals} times"}
                return
            time.sleep(retry)
            continue
        if response.status != (200 if args.rest else 202):
            results[index] = {"error": f"HTTP {response.status}: {data[:300]!r}"}
            return
        status = json.loads(data)
        if args.rest:  # the REST ingest report: one outcome per object
            status = {"total_count": status["total"], "success_count": status["total"] - status["rejected"],
                      "failure_count": status["rejected"]}
        results[index] = {"total": status["total_count"], "success": status["success_count"],
                          "failure": status["failure_count"], "refusals": refusals,
                          "seconds": round(time.monotonic() - started, 2), "status": response.status}
        return

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5090)
    parser.add_argument("--user", default="bench")
    parser.add_argument("--password", default="bench-pass")
    parser.add_argument("--collection", required=True)
    parser.add_argument("--max-refusals", type=int, default=1000)
    parser.add_argument("--rest", action="store_true", help="POST /api/v1/collections/{id}/objects instead of TAXII")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    results = [None] * len(args.files)
    threads = [threading.Thread(target=post, args=(args, f, results, i)) for i, f in enumerate(args.files)]
    started = time.monotonic()
    for t in threads: t.start()
    for t in threads: t.join()
    wall = time.monotonic() - started
    errors = [r["error"] for r in results if r is None or "error" in r]
    stored = sum(r["success"] for r in results if r and "success" in r)
    total = sum(r["total"] for r in results if r and "total" in r)
    print(json.dumps({"posts": len(args.files), "stored_posts": len(args.files) - len(errors), "objects": total,
                      "objects_stored": stored, "refusals": sum(r.get("refusals", 0) for r in results if r),
                      "wall_s": round(wall, 1), "errors": errors,
                      "post_seconds": [r.get("seconds") for r in results if r]}))
    sys.exit(1 if errors or stored != total else 0)

if __name__ == "__main__":
    main()
