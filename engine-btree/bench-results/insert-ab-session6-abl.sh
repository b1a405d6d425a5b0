#!/bin/bash
# usage: abl.sh rounds varA varB ...   (runs lmdb, then each variant, per round)
cd /work/main/engine-btree
R=$1; shift
CPB=$(cat cp.txt)
for r in $(seq 1 $R); do
  for v in lmdb "$@"; do
    rm -rf /tmp/bt-ab
    if [ $v = lmdb ]; then
      out=$(java -Xmx3g --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED -cp target/test-classes:/tmp/var4k:$CPB dev.strata.btree.BTreeBench insert-lmdb /tmp/bt-ab 2>&1 | grep "lmdb insert:" | head -1)
    else
      out=$(java -Xmx3g $JOPTS --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED -cp target/test-classes:/tmp/$v:$CPB dev.strata.btree.BTreeBench insert /tmp/bt-ab 2>&1 | grep "btree insert:" | head -1)
    fi
    echo "$r $v $(echo "$out" | awk "{print \$3, \$8, \$11}")"
  done
done
