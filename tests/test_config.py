"""The one typed configuration: the same configuration gives an equal Config from a clp.conf and from
the database, and nothing can change a Config once built."""

import dataclasses
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clusters.clpconf import reader, transfer, writer
from clusters.configuration.config import MONITOR_COMMON_FIELDS, Config
from clusters.configuration.draft import from_models
from tests import guide
from tests.clpconf_helpers import INPUTS


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.name)
def test_a_clp_conf_and_the_cluster_imported_from_it_are_the_same_config(users, path):
    data = path.read_bytes()
    read = reader.read(data)
    cluster = transfer.import_configuration(user=users["admin"], data=data).cluster
    assert from_models(cluster) == read


@pytest.mark.parametrize("variant", ["vip", "eip", "sip", "dns", "nlb"])
def test_a_draft_reads_back_from_its_own_clp_conf_as_the_same_config(users, variant):
    cluster = guide.build(variant, user=users["admin"])
    draft = from_models(cluster)
    read = reader.read(writer.render_config(draft))
    assert dataclasses.replace(read, cluster=dataclasses.replace(read.cluster, source_conf="")) == draft


def test_a_monitor_that_states_no_common_value_takes_its_types_defaults_either_way(users):
    """A monitor just added and one whose clp.conf leaves out every Monitor (common) and Recovery Action value
    have the same values: its type's defaults, stated once (MonitorType.common_defaults)."""
    draft = from_models(guide.build("vip", user=users["admin"]))
    root, _ = reader.parse_xml(writer.render_config(draft))
    element = root.find("monitor/awsazw[@name='awsazw1']")
    for tag in ("polling", "firstmonwait"):  # no emergency/...: the thresholds and final action are the product's
        element.remove(element.find(tag))
    read = reader.read(b'<?xml version="1.0" encoding="SJIS"?>\n' + ET.tostring(root))
    added, imported = draft.monitor("awsazw1"), read.monitor("awsazw1")
    assert set(added.spec.common_defaults()) == set(MONITOR_COMMON_FIELDS)
    assert {f: getattr(imported, f) for f in MONITOR_COMMON_FIELDS} == added.spec.common_defaults()
    assert {f: getattr(added, f) for f in MONITOR_COMMON_FIELDS} == added.spec.common_defaults()


def test_a_config_cannot_be_changed(users):
    config = from_models(guide.build("vip", user=users["admin"]))
    resource = config.resource("awsvip1")
    with pytest.raises(dataclasses.FrozenInstanceError):
        resource.name = "other"
    with pytest.raises(TypeError):
        resource.parameters["ip"] = "10.1.0.99"  # shared by every worker thread: read-only
    with pytest.raises(TypeError):
        config.forced_stop.servers["server1"]["instanceid"] = "i-other"
    assert isinstance(config.resources, tuple) and isinstance(config, Config)


def test_loading_a_config_costs_the_same_queries_at_any_size(users):
    def queries(size):
        cluster = guide.sized_cluster(size, user=users["admin"])
        with CaptureQueriesContext(connection) as captured:
            from_models(cluster)
        return len(captured)

    assert queries(2) == queries(20)


def test_a_registry_filled_by_many_threads_at_once_is_seen_whole_by_each():
    import threading

    from clusters.configuration.params import Registry

    registry = Registry("resources.types", "group resource")
    seen, start = [], threading.Barrier(8)

    def look():
        start.wait()
        seen.append(len(registry.load()))

    threads = [threading.Thread(target=look) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == [len(registry)] * 8 and len(registry) >= 8
