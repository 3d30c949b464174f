#!/bin/sh
# Tollgate's namespace and search attributes on a running Temporal server (the temporal-namespace
# job of docker-compose.yml); idempotent. `tollgate start --cluster` does the same in
# src/cli/stack/temporal-cluster.ts (registerNamespace) and src/temporal/setup.ts. The attributes
# are src/temporal/search-attributes.ts's SEARCH_ATTRIBUTE_REGISTRATIONS (a unit test holds the two
# equal). The temporal CLI reads TEMPORAL_ADDRESS; its operator commands ignore TEMPORAL_NAMESPACE,
# so the namespace is passed with -n.
set -eu
: "${TEMPORAL_ADDRESS:?}" "${TEMPORAL_NAMESPACE:?}"

# retry TIMES WHAT COMMAND…: runs COMMAND every 2 s until it succeeds, at most TIMES times.
retry() {
  times=$1 what=$2
  shift 2
  tries=0
  until "$@"; do
    tries=$((tries + 1))
    if [ "$tries" -ge "$times" ]; then
      echo "$what after $((times * 2)) s" >&2
      exit 1
    fi
    sleep 2
  done
}

healthy() { temporal operator cluster health >/dev/null 2>&1; }
retry 60 "Temporal at $TEMPORAL_ADDRESS is not healthy" healthy

temporal operator namespace describe -n "$TEMPORAL_NAMESPACE" >/dev/null 2>&1 ||
  temporal operator namespace create -n "$TEMPORAL_NAMESPACE" --retention "${TEMPORAL_NAMESPACE_RETENTION:-30d}"

# A namespace just created takes a moment to reach the frontend's cache ("Namespace … is not found"): retry.
add_search_attributes() {
  temporal operator search-attribute create -n "$TEMPORAL_NAMESPACE" \
    --name TollgateKind --type Keyword \
    --name TollgateCustomerId --type Keyword \
    --name TollgateState --type Keyword \
    --name TollgateNextActionAt --type Datetime \
    --name TollgateAmountMinor --type Int
}
retry 30 "could not add Tollgate's search attributes to namespace $TEMPORAL_NAMESPACE" add_search_attributes
echo "namespace $TEMPORAL_NAMESPACE: ready with Tollgate's search attributes"
