/**
 * The {@code strata} command line: inspect, check, export, import, back up and compact a store of
 * any engine on the class path. Exports nothing; run it with {@code java -jar strata.jar}.
 */
module dev.strata.cli {
  requires dev.strata.api;
  requires dev.strata.ledger;
  requires info.picocli;
  requires me.tongfei.progressbar;

  opens dev.strata.cli to
      info.picocli;
}
