"""Hardware-aware keras-tuner search over depth and width of the keras_cnns families (imports keras_cnns, never
the reverse).

    >>> result = tuning.search("digits", family="resnet", max_minutes=3, max_size_kb=30)
    >>> result.front, result.best(max_size_kb=20)
    >>> tuning.finish_winners(result, "digits", epochs=30)   # retrain, int8 export, score on the test split
"""

from tuning.hypermodels import HYPERMODELS, CrossFamilyHyperModel, FamilyHyperModel, hypermodel_for
from tuning.pareto import OBJECTIVES, best, dominates, pareto_front
from tuning.search import SearchResult, search
from tuning.space import families
from tuning.winners import finish_winners

__all__ = ["HYPERMODELS", "OBJECTIVES", "CrossFamilyHyperModel", "FamilyHyperModel", "SearchResult", "best",
           "dominates", "families", "finish_winners", "hypermodel_for", "pareto_front", "search"]
