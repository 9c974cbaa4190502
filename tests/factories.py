import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from clusters.models import Cluster, TaskRun


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests")

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(Group.objects.get_or_create(name=extracted)[0])  # flushed by transactional tests


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    # Not "clusterN": a test that names its own cluster1 must not meet a factory's cluster1, whatever ran before it
    # on this worker (the sequence counts per process).
    name = factory.Sequence(lambda n: f"factory{n}")


class TaskRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaskRun

    kind = "aws_connection"
    cluster = factory.SubFactory(ClusterFactory)
