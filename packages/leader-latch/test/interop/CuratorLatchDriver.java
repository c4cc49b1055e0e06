// A Curator LeaderLatch participant for the interop test: while hasLeadership() it writes to the
// fenced resource (one JSON line per write, stamped with its id and the czxid of its node).
// Args: connectString path id fencePort sessionTimeoutMs workIntervalMs
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.data.Stat;

public final class CuratorLatchDriver {
  private static OutputStream fence;
  private static String id;

  private static synchronized void send(String json) throws Exception {
    fence.write((json + "\n").getBytes(StandardCharsets.UTF_8));
    fence.flush();
  }

  public static void main(String[] args) throws Exception {
    String connect = args[0], path = args[1];
    id = args[2];
    int fencePort = Integer.parseInt(args[3]);
    int sessionTimeoutMs = Integer.parseInt(args[4]);
    long workIntervalMs = Long.parseLong(args[5]);
    Socket socket = new Socket("127.0.0.1", fencePort);
    socket.setTcpNoDelay(true);
    fence = socket.getOutputStream();
    // Replies are read and dropped: the verdict is taken at the resource.
    Thread drain = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))) {
        while (in.readLine() != null) { }
      } catch (Exception ignored) { }
    });
    drain.setDaemon(true);
    drain.start();

    CuratorFramework client = CuratorFrameworkFactory.newClient(connect, sessionTimeoutMs, 5000, new ExponentialBackoffRetry(100, 5));
    client.start();
    LeaderLatch latch = new LeaderLatch(client, path, id);
    latch.addListener(new LeaderLatchListener() {
      public void isLeader() { event("isLeader"); }
      public void notLeader() { event("notLeader"); }
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try { latch.close(); event("closed"); client.close(); socket.close(); } catch (Exception ignored) { }
    }));
    latch.start();
    event("joined");
    String epochPath = null;
    long epoch = 0;
    for (long seq = 1; ; ) {
      Thread.sleep(workIntervalMs);
      if (!latch.hasLeadership()) continue;
      String ours = latch.getOurPath();
      if (ours == null) continue;
      if (!ours.equals(epochPath)) {
        Stat stat = client.checkExists().forPath(ours);
        if (stat == null) continue;
        epochPath = ours;
        epoch = stat.getCzxid();
      }
      if (latch.hasLeadership()) send("{\"t\":\"write\",\"p\":\"" + id + "\",\"e\":\"" + epoch + "\",\"s\":" + (seq++) + "}");
    }
  }

  private static void event(String name) {
    try {
      send("{\"t\":\"event\",\"p\":\"" + id + "\",\"ev\":\"" + name + "\"}");
    } catch (Exception ignored) { }
  }
}
