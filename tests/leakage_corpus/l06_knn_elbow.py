# leakage-corpus: expect=MLD604 notebook
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.neighbors import KNeighborsClassifier
# %%
df = pd.read_csv("Classified Data", index_col=0)
X_train, X_test, y_train, y_test = train_test_split(df.drop("TARGET CLASS", axis=1), df["TARGET CLASS"],
                                                    test_size=0.30, random_state=101)
scaler = StandardScaler()
scaler.fit(X_train)
X_train = scaler.transform(X_train)
X_test = scaler.transform(X_test)
# %%
error_rate = []
for i in range(1, 40):
    knn = KNeighborsClassifier(n_neighbors=i)
    knn.fit(X_train, y_train)
    pred_i = knn.predict(X_test)
    error_rate.append(np.mean(pred_i != y_test))
# %%
plt.plot(range(1, 40), error_rate, marker="o")
plt.title("Error Rate vs. K Value")
best_k = int(np.argmin(error_rate)) + 1
knn = KNeighborsClassifier(n_neighbors=best_k).fit(X_train, y_train)
