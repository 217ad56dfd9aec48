# A service definition, as `cairn services register examples/web.hcl` (or a config file) takes it.
service {
  name = "web"
  port = 8080
  tags = ["v1"]
  meta {
    team = "frontend"
  }
  check {
    id   = "web-ttl"
    name = "web heartbeat"
    ttl  = "30s"
  }
}
