# leakage-corpus: expect=MLD603 notebook
import pandas as pd
from imblearn.over_sampling import RandomOverSampler
from sklearn.model_selection import cross_val_score
from sklearn.tree import DecisionTreeClassifier
# %%
stroke = pd.read_csv("stroke.csv").dropna()
X = pd.get_dummies(stroke.drop(columns=["id", "stroke"]))
y = stroke["stroke"]
# %%
ros = RandomOverSampler(random_state=0)
X_bal, y_bal = ros.fit_resample(X, y)
print(cross_val_score(DecisionTreeClassifier(max_depth=6), X_bal, y_bal, cv=5, scoring="f1").mean())
