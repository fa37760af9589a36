# leakage-corpus: expect=none
import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.metrics import accuracy_score

data = pd.read_csv("sonar.csv", header=None)
X = data.iloc[:, :-1].values
y = (data.iloc[:, -1] == "M").astype(int).values

skf = StratifiedKFold(n_splits=10, shuffle=True, random_state=0)
accs = []
for tr, te in skf.split(X, y):
    scaler = StandardScaler().fit(X[tr])
    clf = SVC(C=3.0).fit(scaler.transform(X[tr]), y[tr])
    accs.append(accuracy_score(y[te], clf.predict(scaler.transform(X[te]))))
print(f"{np.mean(accs):.3f} +/- {np.std(accs):.3f}")
