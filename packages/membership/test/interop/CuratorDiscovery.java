// Apache Curator's Service Discovery (curator-x-discovery 5.4) driven by commands on stdin, one
// JSON line per answer on stdout. It uses ServiceDiscoveryBuilder's default serializer
// (JsonInstanceSerializer with a Map payload), as a Java service would.
// usage: java CuratorDiscovery HOSTS BASE_PATH SERVICE_NAME
// commands: register ID ADDRESS PORT PAYLOAD_JSON | update ID PAYLOAD_JSON | unregister ID | query | cache | quit
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.x.discovery.ServiceCache;
import org.apache.curator.x.discovery.ServiceDiscovery;
import org.apache.curator.x.discovery.ServiceDiscoveryBuilder;
import org.apache.curator.x.discovery.ServiceInstance;
import org.apache.curator.x.discovery.UriSpec;
import org.apache.curator.x.discovery.details.JsonInstanceSerializer;

public class CuratorDiscovery {
    private static final ObjectMapper JSON = new ObjectMapper();

    @SuppressWarnings("rawtypes")
    private static Map<String, Object> describe(ServiceInstance<Map> instance) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", instance.getId());
        out.put("name", instance.getName());
        out.put("address", instance.getAddress());
        out.put("port", instance.getPort());
        out.put("sslPort", instance.getSslPort());
        out.put("payload", instance.getPayload());
        out.put("payloadType", instance.getPayload() == null ? null : instance.getPayload().getClass().getName());
        out.put("registrationTimeUTC", instance.getRegistrationTimeUTC());
        out.put("serviceType", instance.getServiceType().name());
        out.put("enabled", instance.isEnabled());
        out.put("uri", instance.getUriSpec() == null ? null : instance.buildUriSpec(Map.of("scheme", "http")));
        return out;
    }

    private static void say(Map<String, Object> message) throws Exception {
        System.out.println(JSON.writeValueAsString(message));
        System.out.flush();
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    public static void main(String[] args) throws Exception {
        String hosts = args[0], basePath = args[1], name = args[2];
        try (CuratorFramework client = CuratorFrameworkFactory.newClient(hosts, 10_000, 10_000, new RetryOneTime(100))) {
            client.start();
            client.blockUntilConnected(15, TimeUnit.SECONDS);
            ServiceDiscovery<Map> discovery = ServiceDiscoveryBuilder.builder(Map.class).client(client).basePath(basePath).build();
            discovery.start();
            ServiceCache<Map> cache = discovery.serviceCacheBuilder().name(name).build();
            cache.start();
            Map<String, ServiceInstance<Map>> mine = new HashMap<>();
            say(Map.of("ready", true));
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null; ) {
                String[] words = line.split(" ", 5);
                switch (words[0]) {
                    case "register": {
                        ServiceInstance<Map> instance = ServiceInstance.<Map>builder().name(name).id(words[1]).address(words[2])
                            .port(Integer.parseInt(words[3])).payload(JSON.readValue(words[4], Map.class))
                            .uriSpec(new UriSpec("{scheme}://{address}:{port}")).build();
                        discovery.registerService(instance);
                        mine.put(words[1], instance);
                        byte[] stored = new JsonInstanceSerializer<>(Map.class).serialize(instance);
                        say(Map.of("registered", words[1], "stored", new String(stored, StandardCharsets.UTF_8)));
                        break;
                    }
                    case "update": {
                        ServiceInstance<Map> old = mine.get(words[1]);
                        ServiceInstance<Map> instance = ServiceInstance.<Map>builder().name(name).id(old.getId()).address(old.getAddress())
                            .port(old.getPort()).payload(JSON.readValue(line.split(" ", 3)[2], Map.class)).uriSpec(old.getUriSpec()).build();
                        discovery.updateService(instance);
                        mine.put(words[1], instance);
                        say(Map.of("updated", words[1]));
                        break;
                    }
                    case "unregister":
                        discovery.unregisterService(mine.remove(words[1]));
                        say(Map.of("unregistered", words[1]));
                        break;
                    case "query": {
                        List<Object> found = new ArrayList<>();
                        for (ServiceInstance<Map> instance : discovery.queryForInstances(name)) found.add(describe(instance));
                        say(Map.of("query", found));
                        break;
                    }
                    case "cache": {
                        List<Object> found = new ArrayList<>();
                        for (ServiceInstance<Map> instance : cache.getInstances()) found.add(describe(instance));
                        say(Map.of("cache", found));
                        break;
                    }
                    case "quit":
                        cache.close();
                        discovery.close();
                        say(Map.of("bye", true));
                        return;
                    default:
                        say(Map.of("error", "unknown command " + words[0]));
                }
            }
        }
    }
}
