#!/usr/bin/env bash
# One command on a fresh machine: install everything (environment, local Neo4j), then run the
# main job end to end on the shipped demo catalog: ingest, fine-tune the tagger, evaluate it
# beside the baselines, write its proposed tags, train the attribute extractor, link the values
# it extracts to graph entities (or propose candidate tags), and print what the graph holds.
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
taggraph graph stats
echo "Neo4j Browser: http://127.0.0.1:7474/browser/ (user neo4j, password from TAGGRAPH_NEO4J_PASSWORD)"
