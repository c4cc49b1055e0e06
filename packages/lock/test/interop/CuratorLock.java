// Contends for a lock path with Apache Curator's InterProcessMutex and prints its critical
// sections: `acquired ID NS` / `releasing ID NS` (System.nanoTime, CLOCK_MONOTONIC on Linux), then `done ID`.
// usage: java CuratorLock HOSTS PATH ID ROUNDS HOLD_MS START_NS (when to begin: the JVM starts slowly)
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.RetryOneTime;

public class CuratorLock {
    public static void main(String[] args) throws Exception {
        String hosts = args[0], path = args[1], id = args[2];
        int rounds = Integer.parseInt(args[3]);
        long holdMs = Long.parseLong(args[4]);
        long startNs = Long.parseLong(args[5]);
        try (CuratorFramework client = CuratorFrameworkFactory.newClient(hosts, 10_000, 10_000, new RetryOneTime(100))) {
            client.start();
            client.blockUntilConnected(15, TimeUnit.SECONDS);
            InterProcessMutex mutex = new InterProcessMutex(client, path);
            long waitNs = startNs - System.nanoTime();
            if (waitNs > 0) Thread.sleep(waitNs / 1_000_000);
            for (int i = 0; i < rounds; i++) {
                if (!mutex.acquire(30, TimeUnit.SECONDS)) throw new IllegalStateException("no lock within 30 s");
                System.out.println("acquired " + id + " " + System.nanoTime());
                Thread.sleep(holdMs);
                System.out.println("releasing " + id + " " + System.nanoTime());
                mutex.release();
            }
            System.out.println("done " + id);
        }
    }
}
