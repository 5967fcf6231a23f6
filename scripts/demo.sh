#!/usr/bin/env bash
# One command on a fresh machine: install everything (environment, local Neo4j), then run the
# main job end to end on the shipped demo catalog: ingest, fine-tune the tagger, evaluate it
# beside the baselines, write its proposed tags, train the attribute extractor, link the values
# it extracts to graph entities (or propose candidate tags), train the GNN and write its fused
# tags and embeddings, export the graph, learn next-item recommendations from a sample of
# shopping sequences, print what the graph holds, and start the HTTP API for a few example calls.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$repo"

taggraph neo4j install
taggraph neo4j start
taggraph graph init
taggraph ingest myntra data/demo/myntra_styles.csv
taggraph ingest flipkart data/demo/flipkart.csv
taggraph tagger train myntra --kind gender --kind article_type --kind colour --kind usage \
  --kind season --epochs 2
taggraph tagger eval models/tagger/myntra
taggraph tag --model models/tagger/myntra
taggraph extractor train data/demo/attributes/train.jsonl --test data/demo/attributes/test.jsonl \
  --epochs 6
taggraph extract myntra
taggraph linker build
taggraph link generated/myntra.jsonl
taggraph gnn train --tagger models/tagger/myntra --epochs 100
taggraph refine --tagger models/tagger/myntra
taggraph embed --epochs 100
taggraph export exports/demo --format parquet
taggraph ingest seq data/demo/beauty.txt
taggraph gnn recommender --source beauty --epochs 10 --lr 0.01
taggraph linker build   # the sequences brought new tags: the linker indexes them too
taggraph graph stats

# The API, with a key made for this demo, answering a few calls; then stopped.
demo_key="demo-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export TAGGRAPH_API_KEYS="{\"demo\": {\"key\": \"$demo_key\", \"role\": \"review\"}}"
export TAGGRAPH_API_PORT="${TAGGRAPH_API_PORT:-8000}"
api="http://127.0.0.1:$TAGGRAPH_API_PORT"
taggraph serve >/tmp/taggraph-demo-api.log 2>&1 &
api_pid=$!
trap 'kill $api_pid 2>/dev/null || true' EXIT
for _ in $(seq 120); do
  curl -sf "$api/readyz" >/dev/null && break
  sleep 1
done
show() { echo "+ $*"; curl -sf -H "X-API-Key: $demo_key" "$@" | head -c 600; echo; }
show "$api/readyz"
show "$api/v1/products/myntra:33554/tags"
show "$api/v1/products/myntra:33554/similar?k=3"
show -X POST "$api/v1/recommendations" -H 'content-type: application/json' \
  -d '{"tags": ["tag:colour:navy-blue", "tag:article_type:shirts"], "k": 3}'
show -X POST "$api/v1/recommendations" -H 'content-type: application/json' \
  -d '{"user_id": "beauty:2", "k": 3}'
show -X POST "$api/v1/tag" -H 'content-type: application/json' \
  -d '{"title": "Roadster Men Navy Blue Slim Fit Jeans", "source": "myntra"}'
show "$api/v1/tags/search?q=navy%20blu&kind=colour"
show "$api/v1/review/queue?limit=2"
# A reviewer rejects the least confident proposal; the decision is a human fact in the graph.
first=$(curl -sf -H "X-API-Key: $demo_key" "$api/v1/review/queue?limit=1" |
  python -c 'import json, sys; q = json.load(sys.stdin)["proposals"]; print(" ".join([q[0]["product_id"], q[0]["tag_id"]]) if q else "")')
if [ -n "$first" ]; then
  read -r review_product review_tag <<<"$first"
  show -X POST "$api/v1/review/decisions" -H 'content-type: application/json' \
    -d "{\"decisions\": [{\"action\": \"reject\", \"product_id\": \"$review_product\", \"tag_id\": \"$review_tag\"}]}"
fi
kill $api_pid

# The catalog team's view, and the decision flowing back into training.
taggraph browse
taggraph browse low_confidence -p limit=5
if [ -n "$first" ]; then taggraph browse product -p product_id="$review_product"; fi
taggraph tagger train myntra --kind gender --kind article_type --kind colour --kind usage \
  --kind season --epochs 2 --include-reviewed

# The catalog team's review page on the demo graph; in a terminal it is served until Ctrl-C.
taggraph serve >>/tmp/taggraph-demo-api.log 2>&1 &
api_pid=$!
for _ in $(seq 120); do
  curl -sf "$api/readyz" >/dev/null && break
  sleep 1
done
jar="$(mktemp)"
cards=$(curl -sf -c "$jar" -b "$jar" -L --data-urlencode "key=$demo_key" "$api/review/sign-in" | grep -c 'data-card' || true)
rm -f "$jar"
echo "Review page: $api/review ($cards cards on its first page; sign in with the review key $demo_key)"
echo "Neo4j Browser: http://127.0.0.1:${TAGGRAPH_NEO4J_HTTP_PORT:-7474}/browser/ (user neo4j, password from TAGGRAPH_NEO4J_PASSWORD)"
if [ -t 0 ] && [ -t 1 ]; then
  echo "The service runs until Ctrl-C."
  wait $api_pid
fi

