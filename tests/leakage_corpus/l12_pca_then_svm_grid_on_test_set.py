# leakage-corpus: expect=MLD602,MLD604 notebook
import pandas as pd
from sklearn.decomposition import PCA
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC
# %%
faces = pd.read_csv("faces.csv")
X = faces.drop(columns=["person"]).values
y = faces["person"].values
# %%
pca = PCA(n_components=150, whiten=True, random_state=42)
X_pca = pca.fit_transform(X)
Xtr, Xte, ytr, yte = train_test_split(X_pca, y, random_state=42)
# %%
best_score, best_params = 0, None
for C in [1, 5, 10, 50]:
    for gamma in [0.0001, 0.0005, 0.001, 0.005]:
        svc = SVC(kernel="rbf", class_weight="balanced", C=C, gamma=gamma)
        svc.fit(Xtr, ytr)
        score = svc.score(Xte, yte)
        if score > best_score:
            best_score, best_params = score, (C, gamma)
print(best_params, best_score)
