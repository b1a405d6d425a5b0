package dev.strata.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a start reports about itself, and the executable's start-up settings. */
class StartupTest {
  @TempDir Path dir;

  @Test
  void restart_reportsTheOpenWithinTheStartAndResumesTheRevision() {
    try (TestServer s = TestServer.started("btree", dir)) {
      for (int i = 0; i < 50; i++) {
        s.kv().put(Requests.put("k" + (i % 7), "v" + i));
      }
      long revision = s.server.revision();
      s.restart();
      EtcdServer.Startup startup = s.server.startup();
      assertTrue(startup.openMillis() >= 0, startup.toString());
      assertTrue(startup.startMillis() >= startup.openMillis(), startup.toString());
      assertEquals(revision, s.server.revision());
      assertEquals("v49", Requests.str(s.kv().range(Requests.get("k0")).getKvs(0).getValue()));
    }
  }

  @Test
  void quietNettyEvents_turnsThemOffUnlessAsked() {
    String key = "io.netty.jfr.enabled";
    String before = System.getProperty(key);
    try {
      System.clearProperty(key);
      StrataEtcd.quietNettyEvents();
      assertEquals("false", System.getProperty(key));
      System.setProperty(key, "true");
      StrataEtcd.quietNettyEvents();
      assertEquals("true", System.getProperty(key));
    } finally {
      if (before == null) {
        System.clearProperty(key);
      } else {
        System.setProperty(key, before);
      }
    }
  }
}
